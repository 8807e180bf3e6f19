import '@mantine/core/styles.css';
import './console.css';
import { MantineProvider } from '@mantine/core';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app';

// Mantine's theme variables come from its stylesheet: the provider must not inject <style> elements,
// which the console's Content-Security-Policy (style-src 'self') refuses.
createRoot(document.getElementById('root') as HTMLElement).render(
  <StrictMode>
    <MantineProvider withCssVariables={false} withGlobalClasses={false} forceColorScheme="light">
      <App />
    </MantineProvider>
  </StrictMode>,
);
