import './startview.css';
