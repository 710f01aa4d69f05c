/** Who is logged in; shared by every page. */
import { createContext, useContext } from 'react';
import type { User } from './api/types';

export interface Session {
  user: User | null;
  mustChangePassword: boolean;
  /** Stores a fresh session (after login, password change, profile edits). */
  setUser: (user: User | null, mustChangePassword?: boolean) => void;
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
export function useUser(): User {
  const { user } = useSession();
  if (!user) throw new Error('useUser outside the login gate');
  return user;
}
