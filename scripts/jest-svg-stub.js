// What an SVG import yields under jest: a valid, empty icon (the bundler inlines the
// real file in the build).
module.exports = '<svg xmlns="http://www.w3.org/2000/svg"></svg>';
