import { Table } from '@mantine/core';

/**
 * A table's header row: one cell per column title, plus an unlabelled actions column (named for screen
 * readers only) when the rows carry buttons.
 */
export function TableHead({ columns, actions = false }: { columns: readonly string[]; actions?: boolean }) {
  return (
    <Table.Thead>
      <Table.Tr>
        {columns.map((title) => (
          <Table.Th key={title}>{title}</Table.Th>
        ))}
        {actions ? (
          <Table.Th>
            <span className="pgw-visually-hidden">Actions</span>
          </Table.Th>
        ) : null}
      </Table.Tr>
    </Table.Thead>
  );
}
