/** Who is logged in; shared by every page. */
import { createContext, useContext } from 'react';
import type { UserView } from '@polytene/protocol';

export interface Session {
  user: UserView | null;
  mustChangePassword: boolean;
  /** Stores a fresh session (after login, password change, profile edits). */
  setUser: (user: UserView | null, mustChangePassword?: boolean) => void;
  logout: () => Promise<void>;
}

export const SessionContext = createContext<Session>({
  user: null,
  mustChangePassword: false,
  setUser: () => undefined,
  logout: async () => undefined,
});

export function useSession(): Session {
  return useContext(SessionContext);
}

/** The logged-in user; pages behind the login gate only. */
export function useUser(): UserView {
  const { user } = useSession();
  if (!user) throw new Error('useUser outside the login gate');
  return user;
}
