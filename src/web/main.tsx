import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import './styles/base.css';
import './styles/layout.css';
import './styles/components.css';
import './styles/instance.css';
import './styles/tasks.css';
import './styles/phone.css';
import { App } from './app/App.js';
import { startSync } from './lib/sync.js';

// Opening `/?token=…` logged this browser in (the server set a cookie with the page): keep the token out of the address bar.
if (new URLSearchParams(location.search).has('token')) history.replaceState(null, '', `${location.pathname}${location.hash}`);

startSync();
createRoot(document.getElementById('root')!).render(<StrictMode><App /></StrictMode>);
