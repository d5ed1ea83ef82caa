import { describe, expect, it } from 'vitest';
import { decodeCompactJwt, findDuplicateMember, MalformedJwt } from '../../server/auth/compactJwt.ts';

const seg = (text: string) => Buffer.from(text).toString('base64url');
const token = (header: string, payload: string, sig = 'c2ln') => `${seg(header)}.${seg(payload)}.${sig}`;

describe('decodeCompactJwt', () => {
  it('decodes a well-formed token', () => {
    expect(decodeCompactJwt(token('{"alg":"HS256"}', '{"sub":"a","n":{"x":[1,{"y":2}]}}'))).toEqual({ header: { alg: 'HS256' }, payload: { sub: 'a', n: { x: [1, { y: 2 }] } } });
  });

  it.each([
    ['a duplicate payload member', '{"alg":"HS256"}', '{"sub":"a","sub":"b"}', 'sub'],
    ['a duplicate header member', '{"alg":"HS256","alg":"none"}', '{}', 'alg'],
    ['a duplicate spelled with an escape', '{"alg":"HS256"}', '{"sub":"a","s\\u0075b":"b"}', 'sub'],
    ['a duplicate in a nested object', '{"alg":"HS256"}', '{"ctx":{"a":1,"a":2}}', 'a'],
    ['a duplicate after whitespace and escaped quotes', '{"alg":"HS256"}', '{ "k\\"" : 1 , "k\\""\n:2}', 'k"'],
  ])('refuses %s', (_name, header, payload, member) => {
    expect(() => decodeCompactJwt(token(header, payload))).toThrow(new MalformedJwt(`the token ${header.includes('"alg":"none"') ? 'header' : 'payload'} has the member "${member}" twice`));
  });

  it('allows the same name in sibling objects, in arrays and as a value', () => {
    expect(findDuplicateMember('{"a":{"x":1},"b":{"x":2},"c":[{"x":1},{"x":2}],"d":"a"}')).toBeNull();
    expect(findDuplicateMember('{"a":["a","a"],"b":"a:"}')).toBeNull();
  });

  it.each([
    ['standard base64 characters', `${seg('{"alg":"HS256"}')}.${seg('{}')}.ab+/`],
    ['padding', `${seg('{"alg":"HS256"}')}=.${seg('{}')}.c2ln`],
    ['an impossible length', `${seg('{"alg":"HS256"}')}.${seg('{}')}.abcde`],
    ['non-zero trailing bits (a second spelling of the same bytes)', `${seg('{"alg":"HS256"}')}.${seg('{}')}.c2lnWB`],
    ['an empty signature', `${seg('{"alg":"HS256"}')}.${seg('{}')}.`],
    ['four parts', `${seg('{"alg":"HS256"}')}.${seg('{}')}.c2ln.c2ln`],
  ])('refuses %s', (_name, value) => {
    expect(() => decodeCompactJwt(value)).toThrow(MalformedJwt);
  });

  it('refuses a payload that is not UTF-8', () => {
    const bad = Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]).toString('base64url');
    expect(() => decodeCompactJwt(`${seg('{"alg":"HS256"}')}.${bad}.c2ln`)).toThrow(/UTF-8/);
  });

  it('refuses JSON that is not an object', () => {
    expect(() => decodeCompactJwt(token('{"alg":"HS256"}', '["sub"]'))).toThrow(/not a JSON object/);
    expect(() => decodeCompactJwt(token('null', '{}'))).toThrow(/not a JSON object/);
  });
});
