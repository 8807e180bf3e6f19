import { Modal, type ModalProps } from '@mantine/core';

/**
 * Mantine's Modal with two console rules: no scroll lock (react-remove-scroll injects a <style> element,
 * which the Content-Security-Policy refuses) and a named close button (screen readers say "Close").
 */
export function ConsoleModal(props: ModalProps) {
  return <Modal lockScroll={false} closeButtonProps={{ 'aria-label': 'Close' }} {...props} />;
}
