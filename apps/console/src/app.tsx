import { useEffect, useState } from 'react';
import { onUnauthorized } from './api/client';
import { clearToken, readToken } from './api/session';
import { ConsoleShell } from './shell';
import { SignIn } from './auth/sign-in';

export function App() {
  const [signedIn, setSignedIn] = useState(() => readToken() !== null);
  useEffect(() => onUnauthorized(() => setSignedIn(false)), []);
  if (!signedIn) return <SignIn onSignedIn={() => setSignedIn(true)} />;
  return (
    <ConsoleShell
      onSignOut={() => {
        clearToken();
        setSignedIn(false);
      }}
    />
  );
}
