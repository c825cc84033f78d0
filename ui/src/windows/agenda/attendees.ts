/** How an attendee's reply (PARTSTAT) is shown: an icon and words, never colour alone. */
export type Reply = { icon: string; text: string; tone: 'yes' | 'no' | 'maybe' | 'none' };

export function replyOf(partstat: string | null): Reply {
  switch ((partstat ?? '').toUpperCase()) {
    case 'ACCEPTED':
      return { icon: '✓', text: 'Accepted', tone: 'yes' };
    case 'DECLINED':
      return { icon: '✕', text: 'Declined', tone: 'no' };
    case 'TENTATIVE':
      return { icon: '?', text: 'Tentative', tone: 'maybe' };
    case 'DELEGATED':
      return { icon: '→', text: 'Delegated', tone: 'none' };
    default:
      return { icon: '…', text: 'No reply yet', tone: 'none' };
  }
}

export function personName(p: { name: string | null; email: string | null }): string {
  return p.name?.trim() || p.email?.replace(/^mailto:/i, '') || 'Unknown';
}
