/** The bundle's entry: defines the card and its editor, and lists the card in the card picker. */

import { StepheyBotMusicCard } from "./card";
import { StepheyBotMusicCardEditor } from "./editor";

declare global {
  interface Window {
    customCards?: { type: string; name: string; description: string; preview?: boolean }[];
  }
}

if (!customElements.get("stepheybot-music-card")) {
  customElements.define("stepheybot-music-card", StepheyBotMusicCard);
  customElements.define("stepheybot-music-card-editor", StepheyBotMusicCardEditor);
  window.customCards = window.customCards ?? [];
  window.customCards.push({
    type: "stepheybot-music-card",
    name: "StepheyBot Music",
    description: "Search, request and follow music; what needs attention in the stack.",
    preview: false,
  });
}
