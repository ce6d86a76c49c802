import '@jupyter-workbench/services/style/index.js';

import './base.css';
