/* A GLX program that clears its window to one colour, over and over (compiled by the tests).
 *
 *   gl_clear R G B X Y W H      (colour 0-255, window position and size)
 *
 * The window is override-redirect: no window manager moves or decorates it, so its pixels
 * are at (X, Y) of the screen. After the first frame it prints the GLX server vendor (the
 * string VirtualGL's faker answers with "VirtualGL") and the GL renderer, then keeps
 * drawing until it is killed.
 */
#include <GL/gl.h>
#include <GL/glx.h>
#include <X11/Xlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc != 8) {
    fprintf(stderr, "usage: %s R G B X Y W H\n", argv[0]);
    return 2;
  }
  float rgb[3];
  for (int i = 0; i < 3; i++) rgb[i] = atoi(argv[1 + i]) / 255.0f;
  int x = atoi(argv[4]), y = atoi(argv[5]), w = atoi(argv[6]), h = atoi(argv[7]);
  Display *dpy = XOpenDisplay(NULL);
  if (!dpy) { fprintf(stderr, "cannot open display\n"); return 1; }
  int attrs[] = {GLX_RGBA, GLX_DOUBLEBUFFER, GLX_RED_SIZE, 8, GLX_GREEN_SIZE, 8,
                 GLX_BLUE_SIZE, 8, None};
  XVisualInfo *vi = glXChooseVisual(dpy, DefaultScreen(dpy), attrs);
  if (!vi) { fprintf(stderr, "no double-buffered RGB visual\n"); return 1; }
  Window root = RootWindow(dpy, vi->screen);
  XSetWindowAttributes swa = {0};
  swa.colormap = XCreateColormap(dpy, root, vi->visual, AllocNone);
  swa.override_redirect = True;
  Window win = XCreateWindow(dpy, root, x, y, w, h, 0, vi->depth, InputOutput, vi->visual,
                             CWColormap | CWOverrideRedirect, &swa);
  GLXContext ctx = glXCreateContext(dpy, vi, NULL, True);
  if (!ctx) { fprintf(stderr, "cannot create a GLX context\n"); return 1; }
  XMapRaised(dpy, win);
  glXMakeCurrent(dpy, win, ctx);
  for (unsigned long frame = 0;; frame++) {
    glViewport(0, 0, w, h);
    glClearColor(rgb[0], rgb[1], rgb[2], 1.0f);
    glClear(GL_COLOR_BUFFER_BIT);
    glXSwapBuffers(dpy, win);
    if (frame == 0) {
      glFinish();
      printf("glx vendor: %s\nrenderer: %s\n", glXQueryServerString(dpy, vi->screen, GLX_VENDOR),
             (const char *)glGetString(GL_RENDERER));
      fflush(stdout);
    }
    usleep(50000);
  }
}
