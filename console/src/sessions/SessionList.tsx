import {
  AutocompleteInput,
  ChipField,
  Datagrid,
  DateField,
  DateInput,
  FunctionField,
  List,
  ReferenceInput,
  SelectInput,
  TextField,
} from 'react-admin';

export const SESSION_STATUSES = [
  { id: 'CREATED', name: 'Created' },
  { id: 'ACTIVE', name: 'Active' },
  { id: 'ENDED', name: 'Ended' },
];

const filters = [
  <ReferenceInput key="user" source="userId" reference="users" alwaysOn>
    <AutocompleteInput label="User" optionText="username" filterToQuery={(q) => ({ q })} />
  </ReferenceInput>,
  <ReferenceInput key="persona" source="personaId" reference="personas" alwaysOn>
    <AutocompleteInput label="Persona" optionText="name" filterToQuery={(q) => ({ q })} />
  </ReferenceInput>,
  <SelectInput key="status" source="status" choices={SESSION_STATUSES} alwaysOn />,
  <DateInput key="after" source="createdAfter" label="From" alwaysOn />,
  <DateInput key="before" source="createdBefore" label="To" alwaysOn />,
];

export function SessionList() {
  return (
    <List filters={filters} sort={{ field: 'createdAt', order: 'DESC' }} perPage={25}>
      <Datagrid rowClick="show" bulkActionButtons={false}>
        <DateField source="createdAt" showTime />
        <TextField source="user.username" label="User" />
        <TextField source="persona.name" label="Persona" />
        <ChipField source="status" />
        <DateField source="endedAt" showTime emptyText="—" />
        <FunctionField label="End reason" render={(r: { endReason?: string | null }) => r.endReason ?? '—'} />
      </Datagrid>
    </List>
  );
}
