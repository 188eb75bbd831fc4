// wrangler bundles these as text (see [[rules]] in wrangler.toml); only the Worker entry imports them.
declare module '*.conf' {
  const text: string;
  export default text;
}
declare module '*.csv' {
  const text: string;
  export default text;
}
