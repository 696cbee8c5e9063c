package io.hal9.examples.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.hal9.examples.game.Game;
import io.hal9.examples.game.GameStatus;
import io.hal9.examples.game.Move;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The WebSocket "result" message, built by hand for speed, says exactly what HTTP's round JSON says. */
@Timeout(10)
class ResultMessageTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static ObjectNode viaHttpJson(Game.RoundResult r) {
        ObjectNode out = JSON.createObjectNode().put("type", "result");
        out.setAll((ObjectNode) JSON.valueToTree(HttpApi.RoundJson.of(r)));
        return out;
    }

    @Test
    void aRunningRoundWithAForfeitMatchesTheHttpShapeFieldForField() throws Exception {
        Game.RoundResult r = new Game.RoundResult(
                7,
                3,
                true,
                List.of(new Game.PlayerResult(11, Move.ROCK, 1, 4), new Game.PlayerResult(12, null, 0, 2)),
                GameStatus.RUNNING,
                4,
                List.of());
        ObjectNode hand = WsGateway.resultMessage(r);
        assertThat(hand).isEqualTo(viaHttpJson(r));
        assertThat(JSON.writeValueAsString(hand)).isEqualTo(JSON.writeValueAsString(viaHttpJson(r)));
    }

    @Test
    void aFinalRoundCarriesTheWinnersAndNextRoundZero() throws Exception {
        Game.RoundResult r = new Game.RoundResult(
                9,
                5,
                false,
                List.of(new Game.PlayerResult(1, Move.SPOCK, 1, 3), new Game.PlayerResult(2, Move.SCISSORS, 0, 3)),
                GameStatus.FINISHED,
                0,
                List.of(1L, 2L));
        assertThat(JSON.writeValueAsString(WsGateway.resultMessage(r)))
                .isEqualTo(JSON.writeValueAsString(viaHttpJson(r)));
    }
}
