// What Vite replaces in import.meta at build time (the client uses only this).
interface ImportMetaEnv {
  readonly PROD: boolean;
}
interface ImportMeta {
  readonly env: ImportMetaEnv;
}
// A file's text, read from disk by Vite (tests compare lists with the Go source).
declare module '*?raw' {
  const text: string;
  export default text;
}
