import { Admin, Resource } from 'react-admin';
import { composeDataProvider } from './api/dataProvider';
import { authProvider } from './auth/authProvider';
import { Dashboard } from './dashboard/Dashboard';
import memories from './memories';
import { memoriesProvider } from './memories/provider';
import { moderationFlags, moderationPolicies } from './moderation';
import { moderationFlagsProvider, moderationPoliciesProvider } from './moderation/provider';
import personas from './personas';
import { personasProvider } from './personas/provider';
import sessions from './sessions';
import { sessionsProvider } from './sessions/provider';
import users from './users';
import { usersProvider } from './users/provider';

const dataProvider = composeDataProvider({
  personas: personasProvider,
  sessions: sessionsProvider,
  users: usersProvider,
  memories: memoriesProvider,
  moderationFlags: moderationFlagsProvider,
  moderationPolicies: moderationPoliciesProvider,
});

export function App() {
  return (
    <Admin
      dataProvider={dataProvider}
      authProvider={authProvider}
      dashboard={Dashboard}
      title="Avatar platform"
      requireAuth
      disableTelemetry
    >
      <Resource name="personas" {...personas} recordRepresentation="name" />
      <Resource name="sessions" {...sessions} />
      <Resource name="memories" {...memories} />
      <Resource name="moderationFlags" {...moderationFlags} options={{ label: 'Moderation queue' }} />
      <Resource
        name="moderationPolicies"
        {...moderationPolicies}
        options={{ label: 'Moderation policies' }}
        recordRepresentation="name"
      />
      <Resource name="users" {...users} recordRepresentation="username" />
    </Admin>
  );
}
