/**
 * The .proto printer: the text printed from each fixture file's descriptor (as protoc-gen-es
 * embeds it) compiles with the buf CLI (Go, from node_modules) to the same descriptors as the
 * fixture's own .proto source.
 */
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { after, describe, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { create, type DescFile, fromBinary, toJson } from '@bufbuild/protobuf'
import * as wkt from '@bufbuild/protobuf/wkt'
import {
  type FileDescriptorProto,
  FileDescriptorProtoSchema,
  FileDescriptorSetSchema,
} from '@bufbuild/protobuf/wkt'
import { ProtoPrintError, quote } from '../../src/schema-registry/proto-printer.js'
import { protoSchemaText } from '../../src/schema-registry/protobuf.js'
import { file_sluice_test_common_money } from '../fixtures/protobuf/gen/sluice/test/common/money_pb.js'
import { file_sluice_test_kitchen } from '../fixtures/protobuf/gen/sluice/test/kitchen_pb.js'
import { file_sluice_test_legacy } from '../fixtures/protobuf/gen/sluice/test/legacy_pb.js'
import { file_sluice_test_order } from '../fixtures/protobuf/gen/sluice/test/order_pb.js'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const BUF = join(ROOT, 'node_modules', '.bin', 'buf')
const FIXTURES = join(ROOT, 'test', 'fixtures', 'protobuf', 'proto')
const FILES = [
  file_sluice_test_common_money,
  file_sluice_test_order,
  file_sluice_test_legacy,
  file_sluice_test_kitchen,
]

/** The FileDescriptorSet buf builds from a folder of .proto files, as JSON. */
function build(dir: string, out: string): { file: { name?: string }[] } {
  execFileSync(BUF, ['build', dir, '--exclude-source-info', '-o', out], { encoding: 'utf8' })
  return toJson(FileDescriptorSetSchema, fromBinary(FileDescriptorSetSchema, readFileSync(out))) as {
    file: { name?: string }[]
  }
}

describe('printProto', () => {
  const work = mkdtempSync(join(tmpdir(), 'sluice-proto-printer-'))
  after(() => rmSync(work, { recursive: true, force: true }))

  test('the printed files compile to the descriptors of the sources they were generated from', () => {
    const printed = join(work, 'printed')
    for (const f of FILES) {
      const path = join(printed, f.proto.name)
      mkdirSync(dirname(path), { recursive: true })
      writeFileSync(path, protoSchemaText(f))
    }
    const expected = build(FIXTURES, join(work, 'expected.binpb'))
    const actual = build(printed, join(work, 'actual.binpb'))
    // The fixtures' files (editions.proto is not printed: editions are refused), not their imports.
    const names = new Set(FILES.map((f) => f.proto.name))
    const ours = (set: { file: { name?: string }[] }) => set.file.filter((f) => names.has(f.name as string))
    assert.equal(ours(actual).length, FILES.length)
    assert.deepEqual(ours(actual), ours(expected))
  })

  test("Google's well-known type files, descriptor.proto among them, compile back to their descriptors", () => {
    const files = Object.entries(wkt)
      .filter(([name]) => name.startsWith('file_google_protobuf_'))
      .map(([, f]) => f as DescFile)
    assert.ok(files.some((f) => f.proto.name === 'google/protobuf/descriptor.proto'))
    const printed = join(work, 'wkt')
    for (const f of files) {
      const path = join(printed, f.proto.name)
      mkdirSync(dirname(path), { recursive: true })
      writeFileSync(path, protoSchemaText(f))
    }
    execFileSync(BUF, ['build', printed, '--exclude-source-info', '-o', join(work, 'wkt.binpb')])
    const built = fromBinary(FileDescriptorSetSchema, readFileSync(join(work, 'wkt.binpb')))
    // The embedded descriptors keep an options message whose only contents protoc-gen-es dropped.
    const json = (f: FileDescriptorProto) =>
      JSON.parse(JSON.stringify(toJson(FileDescriptorProtoSchema, f)), (key, v) =>
        key === 'options' && Object.keys(v).length === 0 ? undefined : v,
      )
    for (const f of files) {
      const back = built.file.find((b) => b.name === f.proto.name)
      assert.ok(back !== undefined, f.proto.name)
      assert.deepEqual(json(back), json(f.proto), f.proto.name)
    }
  })

  test('the text: fully qualified type names, map fields, proto3 optional, oneofs, reserved', () => {
    const text = protoSchemaText(file_sluice_test_order)
    for (const line of [
      'syntax = "proto3";',
      'package sluice.test;',
      'import "google/protobuf/timestamp.proto";',
      'import "sluice/test/common/money.proto";',
      'option java_package = "sluice.test.proto";',
      '  reserved 9, 20 to 25;',
      '  reserved "legacy";',
      '  map<int32, .sluice.test.common.Money> refunds = 16;',
      '  optional int32 discount_percent = 8;',
      '  oneof payment {',
      '    repeated .sluice.test.Order.Line.Note notes = 4;',
    ]) {
      assert.ok(text.split('\n').includes(line), `${line}\nnot in\n${text}`)
    }
    assert.doesNotMatch(text, /TagsEntry|RefundsEntry|_discount_percent/)
  })

  test('string literals escape quotes, backslashes and control characters', () => {
    assert.equal(quote('a"b\\c\n\t\r\u0001é'), '"a\\"b\\\\c\\n\\t\\r\\x01é"')
  })

  test('editions are refused', () => {
    const file = create(FileDescriptorProtoSchema, {
      ...file_sluice_test_common_money.proto,
      syntax: 'editions',
    })
    assert.throws(
      () => protoSchemaText({ ...file_sluice_test_common_money, proto: file }),
      (e: unknown) => e instanceof ProtoPrintError && /editions/.test(e.message),
    )
  })
})
