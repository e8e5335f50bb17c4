// The reference Bluesky PDS, with an in-memory PLC directory, for SocialHub's connector tests.
//
// Starts @atproto/dev-env's TestNetworkNoAppView, creates one account (handle under .test)
// with an app password, prints one line of JSON on stdout:
//   {"pds_url": ..., "handle": ..., "did": ..., "app_password": ...}
// and stays up until SIGTERM/SIGINT or until its stdin closes (the test run that started it
// ended), then shuts the network down.
//
// Run with Node >= 22 (install.sh beside this file installs it from npm).

import crypto from 'node:crypto'
import dns from 'node:dns'
import net from 'node:net'

// Every server this process starts listens on the loopback interface only, and "localhost"
// (the host name dev-env puts in its URLs) means 127.0.0.1, so no traffic leaves the machine.
dns.setDefaultResultOrder('ipv4first')
const originalListen = net.Server.prototype.listen
net.Server.prototype.listen = function listenOnLoopback(...args) {
  if (typeof args[0] === 'number' && typeof args[1] !== 'string') {
    args.splice(1, 0, '127.0.0.1')
  } else if (args[0] && typeof args[0] === 'object' && args[0].host === undefined) {
    args[0] = { ...args[0], host: '127.0.0.1' }
  }
  return originalListen.apply(this, args)
}

const { TestNetworkNoAppView } = await import('@atproto/dev-env')

const xrpc = async (base, method, body, token) => {
  const response = await fetch(`${base}/xrpc/${method}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify(body),
  })
  const payload = await response.json()
  if (!response.ok) {
    throw new Error(`${method} answered ${response.status}: ${JSON.stringify(payload)}`)
  }
  return payload
}

const network = await TestNetworkNoAppView.create({})
const pdsUrl = network.pds.url.replace('//localhost:', '//127.0.0.1:')

const handle = process.env.PEER_HANDLE || 'socialhub.test'
const account = await xrpc(pdsUrl, 'com.atproto.server.createAccount', {
  email: `${handle.split('.')[0]}@example.test`,
  handle,
  password: crypto.randomBytes(18).toString('base64url'),
})
// What an organisation hands SocialHub is an app password, never the account's own.
const appPassword = await xrpc(
  pdsUrl,
  'com.atproto.server.createAppPassword',
  { name: 'socialhub-tests' },
  account.accessJwt,
)

process.stdout.write(
  `${JSON.stringify({
    pds_url: pdsUrl,
    handle: account.handle,
    did: account.did,
    app_password: appPassword.password,
  })}\n`,
)

let closing = false
const shutdown = async () => {
  if (closing) return
  closing = true
  try {
    await network.close()
  } finally {
    process.exit(0)
  }
}
process.on('SIGTERM', shutdown)
process.on('SIGINT', shutdown)
process.stdin.on('end', shutdown)
process.stdin.on('close', shutdown)
process.stdin.resume()
