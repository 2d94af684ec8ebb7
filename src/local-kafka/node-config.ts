/** The server.properties of each node of a local cluster, and the log4j2 config they share. */

export type NodeRole = 'combined' | 'broker' | 'controller'

export type SecurityProtocol = 'PLAINTEXT' | 'SSL' | 'SASL_PLAINTEXT' | 'SASL_SSL'

/** A client listener besides PLAINTEXT, e.g. `{ name: 'MTLS', securityProtocol: 'SSL' }`. */
export interface ListenerSpec {
  /** Kafka's listener name: upper case letters, digits and `_`. */
  name: string
  securityProtocol: SecurityProtocol
}

export interface NodeLayout {
  nodeId: number
  role: NodeRole
  /** Client (PLAINTEXT) port; null for a dedicated controller. */
  port: number | null
  /** CONTROLLER listener port; null for a broker-only node. */
  controllerPort: number | null
  /** Ports of the extra client listeners (broker nodes only), by listener name. */
  listenerPorts?: Readonly<Record<string, number>>
  dataDir: string
}

export interface ClusterSettings {
  /** Number of broker (client-facing) nodes. */
  brokerCount: number
  /** `id@127.0.0.1:port` of every voter. */
  quorumVoters: string
  autoCreateTopics: boolean
  /** Extra client listeners, advertised on 127.0.0.1 like PLAINTEXT. */
  listeners?: readonly ListenerSpec[]
  overrides: Record<string, string>
}

const HOST = '127.0.0.1'

function replicationDefaults(brokerCount: number): Record<string, string> {
  const rf = String(Math.min(3, brokerCount))
  const minIsr = brokerCount >= 3 ? '2' : '1'
  return {
    'default.replication.factor': rf,
    'min.insync.replicas': minIsr,
    'offsets.topic.replication.factor': rf,
    'offsets.topic.num.partitions': '3',
    'transaction.state.log.replication.factor': rf,
    'transaction.state.log.min.isr': minIsr,
    'transaction.state.log.num.partitions': '3',
    'share.coordinator.state.topic.replication.factor': rf,
    'share.coordinator.state.topic.min.isr': minIsr,
  }
}

export function nodeProperties(node: NodeLayout, settings: ClusterSettings): Record<string, string> {
  const client: string[] = []
  if (node.port !== null) client.push(`PLAINTEXT://${HOST}:${node.port}`)
  const protocols = ['PLAINTEXT:PLAINTEXT', 'CONTROLLER:PLAINTEXT']
  for (const l of settings.listeners ?? []) {
    protocols.push(`${l.name}:${l.securityProtocol}`)
    const port = node.listenerPorts?.[l.name]
    if (node.port !== null && port !== undefined) client.push(`${l.name}://${HOST}:${port}`)
  }
  const listeners = [...client]
  if (node.controllerPort !== null) listeners.push(`CONTROLLER://${HOST}:${node.controllerPort}`)
  const props: Record<string, string> = {
    'process.roles': node.role === 'combined' ? 'broker,controller' : node.role,
    'node.id': String(node.nodeId),
    'controller.quorum.voters': settings.quorumVoters,
    'controller.listener.names': 'CONTROLLER',
    'listener.security.protocol.map': protocols.join(','),
    listeners: listeners.join(','),
    'log.dirs': node.dataDir,
    'num.partitions': '1',
    'auto.create.topics.enable': String(settings.autoCreateTopics),
    'group.initial.rebalance.delay.ms': '0',
    // Faster failure detection than the defaults (2 s / 9 s) for kill-a-broker tests, while
    // leaving room for GC pauses of several JVMs on a small machine.
    'broker.heartbeat.interval.ms': '1000',
    'broker.session.timeout.ms': '6000',
    ...replicationDefaults(settings.brokerCount),
  }
  if (node.port !== null) {
    props['advertised.listeners'] = client.join(',')
    props['inter.broker.listener.name'] = 'PLAINTEXT'
  }
  return { ...props, ...settings.overrides }
}

function escapeProperty(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/^ /, '\\ ')
}

export function toPropertiesFile(props: Record<string, string>): string {
  return `${Object.entries(props)
    .map(([k, v]) => `${k}=${escapeProperty(v)}`)
    .join('\n')}\n`
}

/** One config for all nodes: each JVM passes its own file in the sluice.logFile property. */
export const LOG4J2_CONFIG = `status = warn
appender.file.type = File
appender.file.name = FILE
appender.file.fileName = \${sys:sluice.logFile}
appender.file.append = true
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = FILE
logger.request.name = kafka.request.logger
logger.request.level = WARN
logger.network.name = kafka.network.RequestChannel$
logger.network.level = WARN
logger.clients.name = org.apache.kafka.clients
logger.clients.level = WARN
`
