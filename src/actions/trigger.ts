/**
 * Why a workflow run happened, from its event payload (GITHUB_EVENT_PATH): recorded with the trigger in run.json
 * and the model card. An explicit reason (a workflow input) wins.
 */
import { existsSync, readFileSync } from 'node:fs';

/** Longest reason kept (a commit message can be long). */
const MAX_REASON = 300;

export function triggerReason(env: NodeJS.ProcessEnv, explicit: string): string | null {
  if (explicit) return clip(explicit);
  const payload = readEvent(env.GITHUB_EVENT_PATH);
  const event = env.GITHUB_EVENT_NAME;
  const text = (value: unknown) => (typeof value === 'string' && value.trim() ? clip(value.trim()) : null);
  if (event === 'repository_dispatch') {
    const clientPayload = payload.client_payload as Record<string, unknown> | undefined;
    return text(clientPayload?.reason) ?? text(`repository_dispatch ${String(payload.action ?? '')}`.trim());
  }
  if (event === 'workflow_dispatch') return text((payload.inputs as Record<string, unknown> | undefined)?.reason);
  if (event === 'schedule') return text(payload.schedule ? `schedule "${String(payload.schedule)}"` : 'schedule');
  if (event === 'push') {
    const head = payload.head_commit as { id?: string; message?: string } | undefined;
    const subject = head?.message?.split('\n')[0];
    return text(head?.id && subject ? `push of ${head.id.slice(0, 7)}: ${subject}` : subject);
  }
  return null;
}

function readEvent(path: string | undefined): Record<string, unknown> {
  if (!path || !existsSync(path)) return {};
  try {
    const value: unknown = JSON.parse(readFileSync(path, 'utf8'));
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function clip(text: string): string {
  return text.length > MAX_REASON ? `${text.slice(0, MAX_REASON - 1)}…` : text;
}
