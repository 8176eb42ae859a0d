'use strict'
// kafkajs against a broker, run by KafkajsTest:
//   node groups.js <bootstrap> <topic> <group> <produce-count> <consume-count> <tag>
// Produces <produce-count> keyed records with kafkajs's default (Java-compatible) partitioner, then joins
// <group>, consumes <consume-count> records, committing after each batch, asks for the group's committed
// offsets and leaves. Stdout gets one line per fact, tab-separated:
//   produced <partition> <offset> <key> <value>
//   consumed <partition> <offset> <key> <value>
//   committed <partition> <offset>
// kafkajs's own log goes to stderr. Any failure exits non-zero. CLIENT_CONFIG in the environment, JSON, is merged
// into the client's config (ssl, sasl); its ssl.caFile names a PEM file read into ssl.ca.
const fs = require('fs')
const { Kafka, Partitioners, logLevel } = require('kafkajs')

const [bootstrap, topic, groupId, produceArg, consumeArg, tag] = process.argv.slice(2)
const produceCount = Number(produceArg)
const consumeCount = Number(consumeArg)

const toStderr = () => ({ level, log }) => {
  process.stderr.write(`${level} ${log.timestamp} ${log.logger || ''} ${log.message} ${JSON.stringify(log)}\n`)
}

const extra = JSON.parse(process.env.CLIENT_CONFIG || '{}')
if (extra.ssl && extra.ssl.caFile) {
  const { caFile, ...ssl } = extra.ssl
  extra.ssl = { ...ssl, ca: [fs.readFileSync(caFile, 'utf8')] }
}

const kafka = new Kafka({
  clientId: 'ferrite-compat-kafkajs',
  brokers: [bootstrap],
  logLevel: logLevel.INFO,
  logCreator: toStderr,
  retry: { retries: 5 },
  ...extra
})

async function produce () {
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false })
  await producer.connect()
  try {
    const messages = []
    for (let i = 0; i < produceCount; i++) {
      messages.push({ key: `${tag}-key-${i}`, value: `${tag}-value-${i}` })
    }
    // One message per send, so each acknowledgement names the offset of exactly that message.
    for (const m of messages) {
      const [ack] = await producer.send({ topic, acks: -1, messages: [m] })
      console.log(['produced', ack.partition, ack.baseOffset, m.key, m.value].join('\t'))
    }
  } finally {
    await producer.disconnect()
  }
}

async function consume () {
  const consumer = kafka.consumer({ groupId, sessionTimeout: 10000, heartbeatInterval: 1000, allowAutoTopicCreation: false })
  await consumer.connect()
  let seen = 0
  let finished
  const done = new Promise(resolve => { finished = resolve })
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true })
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch, resolveOffset, heartbeat }) => {
        for (const m of batch.messages) {
          console.log(['consumed', batch.partition, m.offset, m.key.toString(), m.value.toString()].join('\t'))
          resolveOffset(m.offset)
          seen++
        }
        if (batch.messages.length > 0) {
          const next = (BigInt(batch.messages[batch.messages.length - 1].offset) + 1n).toString()
          await consumer.commitOffsets([{ topic, partition: batch.partition, offset: next }])
        }
        await heartbeat()
        if (seen >= consumeCount) {
          finished()
        }
      }
    })
    if (consumeCount > 0) {
      await done
    }
  } finally {
    await consumer.disconnect() // leaves the group
  }
  const admin = kafka.admin()
  await admin.connect()
  try {
    const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] })
    for (const p of offsets.partitions) {
      console.log(['committed', p.partition, p.offset].join('\t'))
    }
  } finally {
    await admin.disconnect()
  }
}

async function main () {
  await produce()
  await consume()
}

const timer = setTimeout(() => {
  process.stderr.write('groups.js: still running after 90 s\n')
  process.exit(3)
}, 90000)

main().then(() => {
  clearTimeout(timer)
}).catch(e => {
  process.stderr.write(`groups.js failed: ${e.stack || e}\n`)
  process.exit(1)
})
