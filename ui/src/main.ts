import { mount } from 'svelte';
import './app.css';
import App from './App.svelte';
import { closeCurrentWindow, currentWindow } from './platform/window';

const target = document.getElementById('app');
if (!target) throw new Error('missing #app');

export default mount(App, { target, props: { kind: currentWindow() } });

// Ctrl+W closes the window, as in other desktop apps (Traycal stays in the tray).
window.addEventListener('keydown', (e) => {
  if (e.ctrlKey && !e.altKey && !e.shiftKey && e.key.toLowerCase() === 'w') {
    e.preventDefault();
    closeCurrentWindow().catch(() => {});
  }
});
