/** zk-kit's BLAKE-1 EdDSA as an ES module (aliased by the build: scripts/web/app.ts). */
declare module "zkr-blake1" {
  export * from "@zk-kit/eddsa-poseidon";
}
