/*
 * Full-screen animation for the desktop benchmark: a borderless window covering the
 * whole X screen whose every pixel changes each frame (moving colour gradients, which
 * compress like rendered 3D content, not like noise). Draws at most --fps frames per
 * second (default 60) with XPutImage and XSync. Prints "size WxH", then one line per
 * frame: "frame T" with T the wall-clock time (epoch ms, CLOCK_REALTIME, the clock the
 * browser's Date.now() reads) at which XSync returned, i.e. Xvnc has the frame; the
 * benchmark counts the frames drawn inside the browser's measuring window.
 * Build: cc -O2 -o anim anim.c -lX11
 */
#include <X11/Xlib.h>
#include <X11/Xutil.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double epoch_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
    double fps = 60.0;
    if (argc > 2 && strcmp(argv[1], "--fps") == 0) fps = atof(argv[2]);
    Display *dpy = XOpenDisplay(NULL);
    if (!dpy) { fprintf(stderr, "anim: cannot open display\n"); return 1; }
    int screen = DefaultScreen(dpy);
    int w = DisplayWidth(dpy, screen), h = DisplayHeight(dpy, screen);
    XSetWindowAttributes attrs;
    attrs.override_redirect = True;
    attrs.background_pixel = BlackPixel(dpy, screen);
    Window win = XCreateWindow(dpy, RootWindow(dpy, screen), 0, 0, w, h, 0,
                               CopyFromParent, InputOutput, CopyFromParent,
                               CWOverrideRedirect | CWBackPixel, &attrs);
    XMapRaised(dpy, win);
    GC gc = XCreateGC(dpy, win, 0, NULL);
    Visual *visual = DefaultVisual(dpy, screen);
    unsigned int *pixels = malloc((size_t)w * h * 4);
    XImage *image = XCreateImage(dpy, visual, 24, ZPixmap, 0, (char *)pixels, w, h, 32, 0);
    XSync(dpy, False);
    printf("size %dx%d\n", w, h);
    fflush(stdout);
    double frame_time = 1.0 / fps, next = now();
    unsigned long t = 0;
    for (;;) {
        for (int y = 0; y < h; y++) {
            unsigned int g = (unsigned int)((y + t * 3) & 255) << 8;
            unsigned int *row = pixels + (size_t)y * w;
            for (int x = 0; x < w; x++) {
                unsigned int r = (unsigned int)((x + t * 5) & 255) << 16;
                unsigned int b = (unsigned int)(((x + y) / 4 + t * 2) & 255);
                row[x] = r | g | b;
            }
        }
        XPutImage(dpy, win, gc, image, 0, 0, 0, 0, w, h);
        XSync(dpy, False);
        t++;
        printf("frame %.1f\n", epoch_ms());
        fflush(stdout);
        next += frame_time;
        double wait = next - now();
        if (wait > 0) {
            struct timespec ts = {(time_t)wait, (long)((wait - (time_t)wait) * 1e9)};
            nanosleep(&ts, NULL);
        } else {
            next = now();
        }
    }
}
