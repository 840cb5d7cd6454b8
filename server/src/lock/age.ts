// "12 days ago": the age of a lock entry, shared by hovers (server) and the Flake Inputs view (client).
export function formatAge(lastModifiedSeconds: number, now: number): string {
  const days = Math.floor((now - lastModifiedSeconds * 1000) / 86_400_000);
  if (days < 0) return 'in the future';
  if (days === 0) return 'today';
  if (days < 60) return days === 1 ? '1 day ago' : `${days} days ago`;
  if (days < 730) return `${Math.floor(days / 30)} months ago`;
  return `${Math.floor(days / 365)} years ago`;
}
