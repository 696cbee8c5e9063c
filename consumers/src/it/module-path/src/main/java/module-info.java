/** A game server's module: it names the HAL9 modules it uses, and sees only what they export. */
module app {
    requires io.hal9.cache;

    exports app;
}
