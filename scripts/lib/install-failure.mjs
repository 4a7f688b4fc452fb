/**
 * What `npm start` says when installing dependencies fails: the one line of npm's error output that
 * says what went wrong, and the fix, instead of npm's usage text (printed after some errors, EUSAGE
 * among them, where the cause is the line that starts "Invalid:" or "Missing:").
 */
export function explainInstallFailure(command, stderr, log) {
  const lines = stderr
    .split('\n')
    .map((l) => l.replace(/^npm (error|ERR!)\s?/, '').trim())
    .filter(Boolean);
  const code = /^code (\S+)/m.exec(lines.join('\n'))?.[1] ?? '';
  const find = (re) => lines.find((l) => re.test(l));
  let cause =
    find(/^(Invalid|Missing): /) ??
    find(/gyp ERR! (stack )?Error:|not ok|ERR! /) ??
    lines.find((l) => !/^(code |errno |syscall |A complete log|$|Usage:|npm ci|Options:|\[)/.test(l)) ??
    `${command} failed`;
  let todo;
  if (code === 'EUSAGE' || /does not satisfy|in sync/.test(stderr)) {
    todo =
      'package.json and package-lock.json disagree. If you changed a dependency, run `npm install` and commit package-lock.json; on a fresh clone of main this is a bug: please report it.';
  } else if (/ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT|ECONNRESET|network/i.test(stderr)) {
    todo =
      'npm could not reach the registry: check the network or proxy (npm config get registry), then retry.';
  } else if (/gyp|better-sqlite3|node-pre-gyp|prebuild/.test(stderr)) {
    cause = find(/gyp ERR! (stack )?Error:/) ?? cause;
    todo =
      'a native module (better-sqlite3) failed to compile: install python3, make and a C++ compiler (Debian/Ubuntu: apt-get install -y python3 make g++), then retry.';
  } else if (code === 'ENOSPC') {
    todo = 'the disk is full: free some space, then retry.';
  } else if (code === 'EACCES' || code === 'EPERM') {
    todo = 'npm may not write here: check the folder’s owner and permissions (do not use sudo npm).';
  } else if (code === 'EBADENGINE') {
    todo = 'this Node.js version is not supported: use Node.js 20 or 22.';
  } else {
    todo = 'read the full npm output below, fix the cause and retry.';
  }
  return [
    `installing dependencies failed (${command}).`,
    `cause: ${cause}`,
    `what to do: ${todo}`,
    `npm's full output: ${log}`,
  ];
}
