import { useEffect, useState } from 'react';

export const VIEWS = ['projects', 'policies', 'audit', 'usage'] as const;
export type View = (typeof VIEWS)[number];

function currentView(): View {
  const name = window.location.hash.replace(/^#\/?/, '').split('/')[0];
  return (VIEWS as readonly string[]).includes(name ?? '') ? (name as View) : 'projects';
}

/** The view lives in the URL fragment (#/audit): static hosting needs no server routes, and no data goes in it. */
export function useHashView(): [View, (view: View) => void] {
  const [view, setView] = useState<View>(currentView);
  useEffect(() => {
    const update = () => setView(currentView());
    window.addEventListener('hashchange', update);
    return () => window.removeEventListener('hashchange', update);
  }, []);
  return [view, (next) => (window.location.hash = `#/${next}`)];
}
