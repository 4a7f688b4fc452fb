import { createRoot } from 'react-dom/client';
import '../shared/styles.css';
import './portal.css';
import { App } from './App.tsx';

createRoot(document.getElementById('root')!).render(<App />);
