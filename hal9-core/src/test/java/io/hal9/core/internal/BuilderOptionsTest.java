package io.hal9.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class BuilderOptionsTest {

    @Test
    void anOptionSetTwiceIsRefusedByName() {
        BuilderOptions options = new BuilderOptions("batcher 'actions'");
        assertThat(options.isSet("capacity")).isFalse();
        options.once("capacity");
        options.once("maxLinger");
        assertThat(options.isSet("capacity")).isTrue();
        assertThatThrownBy(() -> options.once("capacity"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("batcher 'actions': capacity was already set");
        assertThat(options.component()).isEqualTo("batcher 'actions'");
    }
}
