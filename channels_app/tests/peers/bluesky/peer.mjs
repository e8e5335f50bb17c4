// The reference Bluesky PDS, with an in-memory PLC directory, for SocialHub's connector tests.
//
// Starts @atproto/dev-env's TestNetworkNoAppView, creates one account (handle under .test)
// with an app password, prints one line of JSON on stdout:
//   {"pds_url": ..., "handle": ..., "did": ..., "app_password": ...}
// and stays up until SIGTERM/SIGINT or until its stdin closes (the test run that started it
// ended), then shuts the network down.
//
// With PEER_APPVIEW_POSTGRES set (a PostgreSQL server, e.g. postgres://postgres@127.0.0.1:5432)
// it starts the full TestNetwork instead: the PDS plus the Bluesky AppView (which serves
// app.bsky.notification.listNotifications through the PDS), its bsync and an Ozone. The AppView
// keeps its tables in a database of its own, created for this run (sh_bsky_<random>) and
// dropped at shutdown. A second account, the brand's audience, is created too: its handle, did
// and password are printed under "fan". Each line "sync" on stdin makes the AppView index
// everything the PDS has sequenced so far and is answered by one line "synced" on stdout.
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

const { TestNetwork, TestNetworkNoAppView } = await import('@atproto/dev-env')

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

const postgresServer = (process.env.PEER_APPVIEW_POSTGRES || '').replace(/\/+$/, '')
let appviewDatabase = ''

// The database is created with the AppView's own PostgreSQL driver (pg, a dependency of
// @atproto/bsky, which dev-env brings).
const adminQuery = async (sql) => {
  const { default: pg } = await import('pg')
  const client = new pg.Client({ connectionString: `${postgresServer}/postgres` })
  await client.connect()
  try {
    await client.query(sql)
  } finally {
    await client.end()
  }
}

let network
if (postgresServer) {
  appviewDatabase = `sh_bsky_${crypto.randomBytes(6).toString('hex')}`
  await adminQuery(`CREATE DATABASE ${appviewDatabase}`)
  // dev-env insists on a Redis host; this AppView version never connects to it.
  process.env.REDIS_HOST ||= '127.0.0.1:6379'
  network = await TestNetwork.create({
    dbPostgresUrl: `${postgresServer}/${appviewDatabase}`,
    dbPostgresSchema: 'peer',
  })
} else {
  network = await TestNetworkNoAppView.create({})
}
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

const info = {
  pds_url: pdsUrl,
  handle: account.handle,
  did: account.did,
  app_password: appPassword.password,
}
if (postgresServer) {
  const fanHandle = process.env.PEER_FAN_HANDLE || 'fan.test'
  const fanPassword = crypto.randomBytes(18).toString('base64url')
  const fan = await xrpc(pdsUrl, 'com.atproto.server.createAccount', {
    email: `${fanHandle.split('.')[0]}@example.test`,
    handle: fanHandle,
    password: fanPassword,
  })
  await network.processAll()
  info.appview_url = network.bsky.url.replace('//localhost:', '//127.0.0.1:')
  info.fan = { handle: fan.handle, did: fan.did, password: fanPassword }
}
process.stdout.write(`${JSON.stringify(info)}\n`)

if (postgresServer) {
  const { createInterface } = await import('node:readline')
  const lines = createInterface({ input: process.stdin })
  lines.on('line', async (line) => {
    if (line.trim() !== 'sync') return
    try {
      await network.processAll()
      process.stdout.write('synced\n')
    } catch (err) {
      process.stdout.write(`failed ${String(err).replace(/\n/g, ' ')}\n`)
    }
  })
}

let closing = false
const shutdown = async () => {
  if (closing) return
  closing = true
  try {
    await network.close()
    if (appviewDatabase) {
      await adminQuery(`DROP DATABASE IF EXISTS ${appviewDatabase} WITH (FORCE)`)
    }
  } finally {
    process.exit(0)
  }
}
process.on('SIGTERM', shutdown)
process.on('SIGINT', shutdown)
process.stdin.on('end', shutdown)
process.stdin.on('close', shutdown)
process.stdin.resume()
