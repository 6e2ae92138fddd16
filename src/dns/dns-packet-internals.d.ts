// dns-packet's helper modules ship without typings; these are the two we use.
declare module 'dns-packet/types.js' {
  export function toType(name: string): number;
  export function toString(type: number): string;
}
declare module 'dns-packet/classes.js' {
  export function toClass(name: string): number;
  export function toString(klass: number): string;
}
