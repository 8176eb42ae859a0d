'use strict'
// node-rdkafka (and through it librdkafka, built from source by `npm ci`) against a broker, run by
// NodeRdkafkaTest:
//   node client.js version
//   node client.js produce  <bootstrap> <topic> <count> <tag> <codec> <first-timestamp>
//   node client.js assign   <bootstrap> <topic> <partitions> <count> [<isolation.level>]
//   node client.js transact <bootstrap> <topic> <partitions> <transactional.id>
//   node client.js seek     <bootstrap> <topic> <partition> <offset> <count>
//   node client.js group    <bootstrap> <topic> <group> <group.protocol> <members> <count> <partitions>
//   node client.js times    <bootstrap> <topic> <partition> <timestamp>...
//   node client.js create   <bootstrap> <topic> <partitions> [<config>=<value>...]
//   node client.js delete   <bootstrap> <topic>
//   node client.js topics   <bootstrap>
// Stdout gets one fact per line, tab-separated, the kind of fact first:
//   version   <component> <version>
//   produced  <partition> <offset> <key> <value> <timestamp>
//   consumed  <partition> <offset> <key> <value> <headers> <timestamp>   (group: <member> first)
//   assigned  <member> <partition,partition,...>   (a group member's assignment once the group is stable)
//   committed <partition> <offset>
//   time      <partition> <timestamp> <offset>     (-1: no record at or after the timestamp)
//   created / deleted <topic>; topic <name> <partitions>
//   ended     <commit|abort> <tag> <records>          (transact: a transaction, once its end is acknowledged)
// Headers print as name=value pairs joined by commas. librdkafka's log goes to stderr. Any failure exits
// non-zero; every wait is bounded. CLIENT_CONFIG in the environment, name=value lines, adds librdkafka
// configs to every client (security.protocol, sasl.*, ssl.*).
const Kafka = require('node-rdkafka')

const TIMEOUT_MS = 60000

function fact (...fields) {
  process.stdout.write(fields.join('\t') + '\n')
}

function fail (message) {
  process.stderr.write(`client.js: ${message}\n`)
  process.exit(1)
}

function extraConfig () {
  const conf = {}
  for (const line of (process.env.CLIENT_CONFIG || '').split('\n')) {
    const at = line.indexOf('=')
    if (at > 0) conf[line.slice(0, at)] = line.slice(at + 1)
  }
  return conf
}

function common (bootstrap) {
  return {
    'metadata.broker.list': bootstrap,
    'client.id': 'ferrite-compat-node-rdkafka',
    'broker.address.family': 'v4',
    'socket.timeout.ms': 30000,
    event_cb: true,
    log_level: 6,
    ...extraConfig()
  }
}

function logTo (client, name) {
  client.on('event.log', e => process.stderr.write(`${name} ${e.severity} ${e.fac} ${e.message}\n`))
  client.on('event.error', e => process.stderr.write(`${name} error ${e.code} ${e.message}\n`))
  return client
}

// Calls a node-style method and resolves with its result.
function call (target, method, ...args) {
  return new Promise((resolve, reject) => {
    target[method](...args, (err, result) => (err ? reject(err) : resolve(result)))
  })
}

function deadline (what, ms = TIMEOUT_MS) {
  const end = Date.now() + ms
  return () => {
    if (Date.now() > end) fail(`${what}: not done within ${ms} ms`)
  }
}

function headersText (headers) {
  return (headers || []).map(h => {
    const [name] = Object.keys(h)
    return `${name}=${h[name].toString()}`
  }).join(',')
}

function text (b) {
  return b === null || b === undefined ? '' : b.toString()
}

async function produce ([bootstrap, topic, countArg, tag, codec, firstTsArg]) {
  const count = Number(countArg)
  const firstTs = Number(firstTsArg)
  const producer = logTo(new Kafka.Producer({
    ...common(bootstrap),
    'enable.idempotence': true,
    'compression.codec': codec,
    'linger.ms': 20,
    dr_msg_cb: true
  }, {
    // Java's partitioner for keyed records, so a key lands where a Java producer puts it. A topic property:
    // node-rdkafka applies it only from the topic configuration.
    partitioner: 'murmur2_random'
  }), 'producer')
  const reports = new Array(count)
  let delivered = 0
  producer.on('delivery-report', (err, r) => {
    if (err) fail(`record ${r.opaque} not delivered: ${err.message}`)
    reports[r.opaque] = r
    delivered++
  })
  await call(producer, 'connect', {})
  producer.setPollInterval(10)
  for (let i = 0; i < count; i++) {
    producer.produce(topic, null, Buffer.from(`${tag}-value-${i}`), `${tag}-key-${i}`, firstTs + 1000 * i, i,
      [{ seq: String(i) }, { empty: '' }])
  }
  await call(producer, 'flush', TIMEOUT_MS)
  const check = deadline('delivery reports')
  while (delivered < count) {
    check()
    await new Promise(resolve => setTimeout(resolve, 10))
  }
  for (let i = 0; i < count; i++) {
    const r = reports[i]
    fact('produced', r.partition, r.offset, `${tag}-key-${i}`, `${tag}-value-${i}`, firstTs + 1000 * i)
  }
  await call(producer, 'disconnect')
}

function consumer (bootstrap, group, extra = {}) {
  return logTo(new Kafka.KafkaConsumer({
    ...common(bootstrap),
    'group.id': group,
    'enable.auto.commit': false,
    'enable.partition.eof': false,
    ...extra
  }, { 'auto.offset.reset': 'earliest' }), group)
}

function consumeSome (c, max) {
  return call(c, 'consume', max)
}

function printConsumed (m, prefix = []) {
  fact('consumed', ...prefix, m.partition, m.offset, text(m.key), text(m.value), headersText(m.headers), m.timestamp)
}

// Prints the next <count> records <c> hands out; fails if they do not come in time.
async function printNext (c, count, what) {
  const check = deadline(what)
  let seen = 0
  while (seen < count) {
    check()
    for (const m of await consumeSome(c, count - seen)) {
      printConsumed(m)
      seen++
    }
  }
}

// Reads <count> records from partitions 0..n-1 of <topic>, from the beginning, without a group.
async function assign ([bootstrap, topic, partitionsArg, countArg, isolation = 'read_uncommitted']) {
  const count = Number(countArg)
  const c = consumer(bootstrap, 'ferrite-compat-assign-' + process.pid, { 'isolation.level': isolation })
  await call(c, 'connect', {})
  c.assign([...Array(Number(partitionsArg)).keys()].map(p => ({ topic, partition: p, offset: 0 })))
  await printNext(c, count, 'assign consume')
  await call(c, 'disconnect')
}

// Reads a record from the start of the partition, then seeks to <offset> and reads <count> from there.
async function seek ([bootstrap, topic, partitionArg, offsetArg, countArg]) {
  const partition = Number(partitionArg)
  const count = Number(countArg)
  const c = consumer(bootstrap, 'ferrite-compat-seek-' + process.pid)
  await call(c, 'connect', {})
  c.assign([{ topic, partition, offset: 0 }])
  const check = deadline('first record')
  let first = []
  while (first.length === 0) {
    check()
    first = await consumeSome(c, 1)
  }
  fact('first', first[0].offset)
  await call(c, 'seek', { topic, partition, offset: Number(offsetArg) }, 10000)
  await printNext(c, count, 'consume after the seek')
  await call(c, 'disconnect')
}

// <members> consumers of one group, subscribed to <topic>, read until <count> records are consumed between
// them and every member holds a share of the <partitions> partitions; each record's offset is committed
// synchronously before the next is read. Then the group's committed offsets are printed, and all leave.
async function group ([bootstrap, topic, groupId, protocol, membersArg, countArg, partitionsArg]) {
  const count = Number(countArg)
  const partitions = Number(partitionsArg)
  const extra = protocol === 'consumer'
    ? { 'group.protocol': 'consumer' }
    : { 'group.protocol': 'classic', 'session.timeout.ms': 10000, 'heartbeat.interval.ms': 1000 }
  const members = []
  for (let i = 0; i < Number(membersArg); i++) {
    const c = consumer(bootstrap, groupId, { ...extra, rebalance_cb: true })
    await call(c, 'connect', {})
    c.subscribe([topic])
    members.push(c)
  }
  const check = deadline('group consume')
  let seen = 0
  const balanced = () => {
    const owned = members.map(c => c.assignments().map(a => a.partition))
    const all = owned.flat()
    return owned.every(o => o.length > 0) && all.length === partitions && new Set(all).size === partitions
  }
  while (seen < count || !balanced()) {
    check()
    for (let i = 0; i < members.length; i++) {
      for (const m of await consumeSome(members[i], 10)) {
        printConsumed(m, [i])
        members[i].commitSync({ topic, partition: m.partition, offset: m.offset + 1 })
        seen++
      }
    }
  }
  members.forEach((c, i) => fact('assigned', i, c.assignments().map(a => a.partition).sort().join(',')))
  const committed = await call(members[0], 'committed',
    [...Array(partitions).keys()].map(p => ({ topic, partition: p })), 10000)
  for (const tp of committed) fact('committed', tp.partition, tp.offset)
  for (const c of members) await call(c, 'disconnect')
}

// A transactional producer writes three transactions of 10 records over partitions 0..n-1 of <topic>:
// "c1" committed, "a" written and then aborted, "c2" committed.
async function transact ([bootstrap, topic, partitionsArg, transactionalId]) {
  const partitions = Number(partitionsArg)
  const producer = logTo(new Kafka.Producer({
    ...common(bootstrap),
    'transactional.id': transactionalId,
    'linger.ms': 5,
    dr_msg_cb: true
  }), 'producer')
  producer.on('delivery-report', (err, r) => {
    if (err) fail(`record ${r.opaque} not delivered: ${err.message}`)
  })
  await call(producer, 'connect', {})
  producer.setPollInterval(10)
  await call(producer, 'initTransactions', TIMEOUT_MS)
  for (const [tag, commit] of [['c1', true], ['a', false], ['c2', true]]) {
    await call(producer, 'beginTransaction')
    for (let i = 0; i < 10; i++) {
      producer.produce(topic, i % partitions, Buffer.from(`${tag}-${i}`), null, Date.now(), i)
    }
    await call(producer, 'flush', TIMEOUT_MS) // written before the end, so an abort has records to hide
    await call(producer, commit ? 'commitTransaction' : 'abortTransaction', TIMEOUT_MS)
    fact('ended', commit ? 'commit' : 'abort', tag, 10)
  }
  await call(producer, 'disconnect')
}

async function times ([bootstrap, topic, partitionArg, ...stamps]) {
  const c = consumer(bootstrap, 'ferrite-compat-times-' + process.pid)
  await call(c, 'connect', {})
  const partition = Number(partitionArg)
  for (const t of stamps) {
    const [found] = await call(c, 'offsetsForTimes', [{ topic, partition, offset: Number(t) }], 10000)
    fact('time', partition, t, found.offset)
  }
  await call(c, 'disconnect')
}

function admin (bootstrap) {
  const { event_cb: _e, log_level: _l, ...conf } = common(bootstrap) // the admin client takes no log callback
  return Kafka.AdminClient.create(conf)
}

async function create ([bootstrap, topic, partitionsArg, ...configs]) {
  const a = admin(bootstrap)
  const config = Object.fromEntries(configs.map(c => c.split('=')))
  await call(a, 'createTopic', { topic, num_partitions: Number(partitionsArg), replication_factor: 1, config }, 30000)
  fact('created', topic)
  a.disconnect()
}

async function del ([bootstrap, topic]) {
  const a = admin(bootstrap)
  await call(a, 'deleteTopic', topic, 30000)
  fact('deleted', topic)
  a.disconnect()
}

async function topics ([bootstrap]) {
  const p = logTo(new Kafka.Producer(common(bootstrap)), 'metadata')
  await call(p, 'connect', {})
  const md = await call(p, 'getMetadata', { timeout: 10000 })
  for (const t of md.topics.sort((x, y) => x.name.localeCompare(y.name))) fact('topic', t.name, t.partitions.length)
  await call(p, 'disconnect')
}

const commands = {
  version: async () => {
    fact('version', 'node-rdkafka', require('node-rdkafka/package.json').version.replace(/^v/, ''))
    fact('version', 'librdkafka', Kafka.librdkafkaVersion)
    fact('features', Kafka.features.join(','))
  },
  produce,
  assign,
  transact,
  seek,
  group,
  times,
  create,
  delete: del,
  topics
}

const [command, ...args] = process.argv.slice(2)
if (!commands[command]) fail(`unknown command ${command}`)
commands[command](args).then(() => process.exit(0), e => fail(e && e.stack ? e.stack : String(e)))
