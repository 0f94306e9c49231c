/** The bundle's entry: defines the card and its editor, and lists the card in the card picker. */

import { StepheyBotMusicCard } from "./card";
import { StepheyBotMusicCardEditor } from "./editor";

declare global {
  interface Window {
    customCards?: { type: string; name: string; description: string; preview?: boolean }[];
  }
}

const CARD = "stepheybot-music-card";
const EDITOR = "stepheybot-music-card-editor";
const WAIT_MS = 50;
const GIVE_UP_MS = 30_000;

/** Define both elements in the registry in force now (a fresh subclass: a constructor may serve
 * one registry definition only). */
function define(): void {
  if (!customElements.get(CARD)) customElements.define(CARD, class extends StepheyBotMusicCard {});
  if (!customElements.get(EDITOR)) customElements.define(EDITOR, class extends StepheyBotMusicCardEditor {});
}

// Loaded by the integration as an "extra module", this runs while Home Assistant's frontend boots,
// before it installs its own custom element registry (window.customElements is replaced, and what
// was defined before is lost to it). So: wait until the frontend has defined <home-assistant>,
// then define. Loaded later (a dashboard resource), that is at once.
const started = Date.now();
const attempt = (): void => {
  if (customElements.get("home-assistant") || Date.now() - started > GIVE_UP_MS) define();
  else setTimeout(attempt, WAIT_MS);
};
attempt();

window.customCards = window.customCards ?? [];
if (!window.customCards.some((card) => card.type === CARD)) {
  window.customCards.push({
    type: CARD,
    name: "StepheyBot Music",
    description: "Search, request and follow music; what needs attention in the stack.",
    preview: false,
  });
}
