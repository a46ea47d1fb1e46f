import type { Notice } from '../../stores/trading.js';

/**
 * Desktop notifications through the web Notification API: Electron's renderer grants it
 * without asking; a browser asks once, and only from a user's click (browsers ignore a
 * request made without one). Without permission the store shows an in-window toast instead.
 */
function notificationApi(): typeof Notification | null {
  return typeof Notification === 'undefined' ? null : Notification;
}

/** Shows a notice on the desktop; false when there is no permission (or no API). */
export function showDesktopNotice(notice: Notice): boolean {
  const api = notificationApi();
  if (api?.permission !== 'granted') return false;
  // One tag per kind: a burst of fills replaces the last one instead of stacking dozens.
  new api(notice.title, { body: notice.body, tag: `trading-${notice.kind}` });
  return true;
}

let asked = false;

/** Asks for permission once per window, from inside a click handler; resolves with the answer. */
export async function askDesktopPermissionOnce(): Promise<NotificationPermission | 'unavailable'> {
  const api = notificationApi();
  if (asked || api === null || api.permission !== 'default') return desktopPermission();
  asked = true;
  try {
    return await api.requestPermission();
  } catch {
    return desktopPermission();
  }
}

/** 'granted' | 'denied' | 'default' | 'unavailable', for the view's note. */
export function desktopPermission(): NotificationPermission | 'unavailable' {
  return notificationApi()?.permission ?? 'unavailable';
}
