import { Button } from '@mui/material';
import { ChipField, Datagrid, DateField, FunctionField, List, SearchInput, TextField } from 'react-admin';
import { Link } from 'react-router-dom';

/** The per-user pages (memories, sessions) are those lists filtered by the user. */
const filteredBy = (resource: string, filter: Record<string, string>) =>
  `/${resource}?filter=${encodeURIComponent(JSON.stringify(filter))}`;

export function UserList() {
  return (
    <List filters={[<SearchInput key="q" source="q" alwaysOn />]} perPage={25}>
      <Datagrid bulkActionButtons={false} rowClick={false}>
        <TextField source="username" />
        <TextField source="displayName" emptyText="—" />
        <ChipField source="role" />
        <DateField source="createdAt" />
        <FunctionField
          label="Data"
          render={(user: { id: string }) => (
            <>
              <Button size="small" component={Link} to={filteredBy('memories', { userId: user.id })}>
                Memories
              </Button>
              <Button size="small" component={Link} to={filteredBy('sessions', { userId: user.id })}>
                Sessions
              </Button>
            </>
          )}
        />
      </Datagrid>
    </List>
  );
}
