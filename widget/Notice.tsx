import type { ComponentChildren } from 'preact';

interface NoticeProps {
  testid: string;
  /** Information (a state the user chose or should know), not a failure: calmer look, not announced as an alert. */
  info?: boolean;
  children: ComponentChildren;
  /** The one thing the user can do about it; absent when only something outside the widget can help. */
  action?: string;
  onAction?(): void;
  actionTestid?: string;
  primary?: boolean;
  busy?: boolean;
}

/** One message with one button: every failure and session state in the widget is shown this way. */
export function Notice({ testid, info, children, action, onAction, actionTestid, primary, busy }: NoticeProps) {
  return (
    <div class={info ? 'notice info' : 'notice'} role={info ? 'status' : 'alert'} data-testid={testid}>
      <span>{children}</span>
      {action && (
        <button class={primary ? 'primary' : undefined} data-testid={actionTestid} disabled={busy} onClick={onAction}>
          {action}
        </button>
      )}
    </div>
  );
}
