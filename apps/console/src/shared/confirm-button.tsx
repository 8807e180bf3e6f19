import { Button, Group, Stack, Text, type ButtonProps } from '@mantine/core';
import { useState, type ReactNode } from 'react';
import { ConsoleModal } from './console-modal';

/** A button whose action runs only after the person confirms it in a dialog that says what will happen. */
export function ConfirmButton({
  label,
  title,
  children,
  confirmLabel,
  onConfirm,
  ...buttonProps
}: ButtonProps & {
  label: string;
  title: string;
  children: ReactNode;
  confirmLabel: string;
  onConfirm: () => Promise<unknown> | void;
}) {
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const confirm = async () => {
    setBusy(true);
    try {
      await onConfirm();
    } finally {
      setBusy(false);
      setOpen(false);
    }
  };
  return (
    <>
      <Button {...buttonProps} onClick={() => setOpen(true)}>
        {label}
      </Button>
      <ConsoleModal opened={open} onClose={() => setOpen(false)} title={title} centered>
        <Stack>
          <Text size="sm" component="div">
            {children}
          </Text>
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setOpen(false)}>
              Cancel
            </Button>
            <Button color={buttonProps.color ?? 'red'} loading={busy} onClick={() => void confirm()}>
              {confirmLabel}
            </Button>
          </Group>
        </Stack>
      </ConsoleModal>
    </>
  );
}
