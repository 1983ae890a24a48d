import { BooleanInput, ChipField, Datagrid, DateField, List, SearchInput, TextField } from 'react-admin';

const filters = [
  <SearchInput key="q" source="q" alwaysOn />,
  <BooleanInput key="archived" source="includeArchived" label="Include archived" alwaysOn />,
];

export function PersonaList() {
  return (
    <List filters={filters} perPage={25}>
      <Datagrid rowClick="edit" bulkActionButtons={false}>
        <TextField source="name" />
        <TextField source="voice" />
        <ChipField source="avatarRig" label="Rig" />
        <TextField source="defaultEmotion" label="Emotion" />
        <DateField source="updatedAt" showTime />
        <DateField source="archivedAt" emptyText="—" />
      </Datagrid>
    </List>
  );
}
