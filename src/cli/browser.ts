// Opening the verification URL, as gh does: only where a person sits at a desktop. Over SSH or in
// a container there is nobody to see the browser, and the code shown on stderr is the way.
export function browserCommand(env: NodeJS.ProcessEnv, platform: NodeJS.Platform): [string, string[]] | null {
  if (env.SSH_CONNECTION || env.SSH_CLIENT || env.SSH_TTY) return null;
  if (env.BROWSER) return [env.BROWSER, []];
  if (platform === 'darwin') return ['open', []];
  if (platform === 'win32') return ['rundll32', ['url.dll,FileProtocolHandler']];
  if (env.DISPLAY || env.WAYLAND_DISPLAY) return ['xdg-open', []];
  return null;
}
