import { Button, Group, Stack, Table, TextInput, Title } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { getJson, sendJson } from '../api/client';
import type { PriceList } from '../api/types';
import { useAction, useApi } from '../api/use-api';
import { dateTime, dollarsToMicros, usd } from '../shared/format';
import { EmptyState, ErrorState, Loaded } from '../shared/states';
import { TableHead } from '../shared/table-head';

/** Price overrides per model (or '*'); a new price applies from its start, never to past usage. */
export function PricesPanel() {
  const prices = useApi(() => getJson<PriceList>('/billing/prices'), 'prices');
  const [model, setModel] = useState('');
  const [price, setPrice] = useState('');
  const [from, setFrom] = useState('');
  const [invalid, setInvalid] = useState(false);
  const action = useAction();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const micros = dollarsToMicros(price);
    setInvalid(micros === null);
    if (micros === null) return;
    const created = await action.run(() =>
      sendJson('POST', '/billing/prices', {
        model: model.trim(),
        price_micros_per_million: micros,
        ...(from ? { effective_from: new Date(from).toISOString() } : {}),
      }),
    );
    if (created) {
      setModel('');
      setPrice('');
      prices.reload();
    }
  };

  return (
    <Stack gap="sm">
      <Title order={3} size="h4">
        Prices
      </Title>
      <Loaded value={prices} label="prices">
        {(data) => (
          <Stack gap="xs">
            <div>Default: {usd(data.default_price_micros_per_million)} per 1M tokens</div>
            {data.data.length === 0 ? (
              <EmptyState>No price overrides: every model is billed at the default.</EmptyState>
            ) : (
              <div className="pgw-table-scroll">
                <Table aria-label="Price overrides">
                  <TableHead columns={['Model', 'USD per 1M tokens', 'Effective from']} />
                  <Table.Tbody>
                    {data.data.map((row) => (
                      <Table.Tr key={`${row.model}@${row.effective_from}`}>
                        <Table.Td>{row.model}</Table.Td>
                        <Table.Td>{usd(row.price_micros_per_million)}</Table.Td>
                        <Table.Td>{dateTime(row.effective_from)}</Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </div>
            )}
          </Stack>
        )}
      </Loaded>
      <form onSubmit={(event) => void submit(event)} aria-label="Add price override">
        <Group align="flex-end">
          <TextInput
            label="Model (or *)"
            required
            value={model}
            onChange={(e) => setModel(e.currentTarget.value)}
            w={160}
          />
          <TextInput
            label="USD per 1M tokens"
            required
            value={price}
            error={invalid ? 'A dollar amount, up to 6 decimals' : undefined}
            onChange={(e) => setPrice(e.currentTarget.value)}
            w={160}
          />
          <TextInput
            type="datetime-local"
            label="Effective from"
            description="Empty: now"
            value={from}
            onChange={(e) => setFrom(e.currentTarget.value)}
          />
          <Button type="submit" loading={action.pending}>
            Add price
          </Button>
        </Group>
      </form>
      {action.error ? <ErrorState error={action.error} title="Price not added" /> : null}
    </Stack>
  );
}
