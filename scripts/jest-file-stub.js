// What a CSS import yields under jest (the bundler handles styles in the build).
module.exports = {};
