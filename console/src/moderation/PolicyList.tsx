import { BooleanField, ChipField, Datagrid, DateField, FunctionField, List, TextField } from 'react-admin';

export function PolicyList() {
  return (
    <List title="Moderation policies" pagination={false}>
      <Datagrid rowClick="edit" bulkActionButtons={false}>
        <TextField source="name" />
        <ChipField source="action" />
        <BooleanField source="enabled" />
        <FunctionField
          label="Categories"
          render={(p: { categories?: { name: string }[] }) =>
            (p.categories ?? []).map((c) => c.name).join(', ') || '—'
          }
        />
        <FunctionField label="Block terms" render={(p: { blockTerms: string[] }) => p.blockTerms.length} />
        <FunctionField label="Allow terms" render={(p: { allowTerms: string[] }) => p.allowTerms.length} />
        <DateField source="updatedAt" showTime />
      </Datagrid>
    </List>
  );
}
