// SPDX-License-Identifier: MIT
// The poll app: shows the bot's poll, sends the member's vote, tallies every member's vote live.
// The rules are those of ../PROTOCOL.md. Plain JS, no network: it talks only to window.webxdc, and
// every text from an update is rendered with textContent, never as HTML.
"use strict";

(function () {
  const LIMITS = { question: 1000, option: 200, minOptions: 2, maxOptions: 20, voter: 200 };

  function isObject(value) {
    return value !== null && typeof value === "object" && !Array.isArray(value);
  }

  // A string of 1..max Unicode code points that is not only white space.
  function isText(value, max) {
    return typeof value === "string" && value.trim() !== "" && Array.from(value).length <= max;
  }

  // PROTOCOL.md §1: {type: "poll", question, options} -> {question, options}, or null if invalid.
  function parsePoll(payload) {
    if (!isText(payload.question, LIMITS.question)) return null;
    const options = payload.options;
    if (!Array.isArray(options)) return null;
    if (options.length < LIMITS.minOptions || options.length > LIMITS.maxOptions) return null;
    if (!options.every((o) => isText(o, LIMITS.option))) return null;
    return { question: payload.question, options: options.slice() };
  }

  // PROTOCOL.md §2: {type: "vote", option, voter} -> {option, voter}, or null if invalid.
  function parseVote(payload, optionCount) {
    const option = payload.option;
    if (!Number.isInteger(option) || option < 0 || option >= optionCount) return null;
    if (typeof payload.voter !== "string" || payload.voter === "") return null;
    if (Array.from(payload.voter).length > LIMITS.voter) return null;
    return { option, voter: payload.voter };
  }

  // The poll and its votes, built from the payloads in serial order (PROTOCOL.md §1-3).
  class PollState {
    constructor() {
      this.poll = null; // {question, options} of the first valid poll update
      this.votes = new Map(); // voter -> option of the voter's first valid vote
      this.early = []; // vote payloads received before the poll, in serial order
    }

    apply(payload) {
      if (!isObject(payload)) return;
      if (payload.type === "poll") {
        if (this.poll !== null) return; // only the first valid poll counts
        this.poll = parsePoll(payload);
        if (this.poll === null) return;
        const early = this.early;
        this.early = [];
        early.forEach((vote) => this.addVote(vote));
      } else if (payload.type === "vote") {
        if (this.poll === null) {
          this.early.push(payload);
        } else {
          this.addVote(payload);
        }
      }
    }

    addVote(payload) {
      const vote = parseVote(payload, this.poll.options.length);
      if (vote === null || this.votes.has(vote.voter)) return; // invalid, or a double vote
      this.votes.set(vote.voter, vote.option);
    }

    counts() {
      const counts = this.poll.options.map(() => 0);
      this.votes.forEach((option) => {
        counts[option] += 1;
      });
      return counts;
    }
  }

  const byId = (id) => document.getElementById(id);
  const ui = {
    question: byId("question"),
    hint: byId("hint"),
    options: byId("options"),
    total: byId("total"),
    status: byId("status"),
  };

  const webxdc = window.webxdc;
  if (!webxdc || typeof webxdc.setUpdateListener !== "function") {
    ui.question.textContent = "Poll";
    ui.hint.textContent = "This app runs inside a messenger with webxdc support, such as Delta Chat.";
    return;
  }

  const state = new PollState();
  let buttons = []; // one per option, built when the poll arrives
  let sending = null; // the option we sent and whose echo has not arrived yet

  function quoted(text) {
    return "\u201c" + text + "\u201d";
  }

  function vote(option) {
    if (state.poll === null || sending !== null || state.votes.has(webxdc.selfAddr)) return;
    sending = option;
    render();
    webxdc.sendUpdate({ payload: { type: "vote", option, voter: webxdc.selfAddr } });
  }

  function buildOptions() {
    ui.options.replaceChildren();
    buttons = state.poll.options.map((text, index) => {
      const item = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button";
      button.className = "option";
      button.dataset.option = String(index);
      const bar = document.createElement("span");
      bar.className = "bar";
      const label = document.createElement("span");
      label.className = "label";
      label.textContent = text;
      const count = document.createElement("span");
      count.className = "count";
      button.append(bar, label, count);
      button.addEventListener("click", () => vote(index));
      item.append(button);
      ui.options.append(item);
      return button;
    });
  }

  function render() {
    if (state.poll === null) return; // the initial "waiting" text stays
    if (buttons.length === 0) {
      ui.question.textContent = state.poll.question;
      ui.hint.hidden = true;
      buildOptions();
    }
    const mine = state.votes.has(webxdc.selfAddr) ? state.votes.get(webxdc.selfAddr) : null;
    if (mine !== null) sending = null;
    const counts = state.counts();
    const total = state.votes.size;
    buttons.forEach((button, index) => {
      const share = total === 0 ? 0 : Math.round((counts[index] * 100) / total);
      button.querySelector(".count").textContent = counts[index] + " \u00b7 " + share + "%";
      button.querySelector(".bar").style.width = share + "%";
      button.disabled = mine !== null || sending !== null;
      button.classList.toggle("mine", index === (mine !== null ? mine : sending));
      button.setAttribute("aria-pressed", String(index === mine));
    });
    ui.total.textContent =
      total === 0 ? "No votes yet" : total === 1 ? "1 vote" : total + " votes";
    const options = state.poll.options;
    if (mine !== null) {
      ui.status.textContent = "You voted for " + quoted(options[mine]) + ".";
    } else if (sending !== null) {
      ui.status.textContent = "Sending your vote for " + quoted(options[sending]) + "\u2026";
    } else {
      const who = typeof webxdc.selfName === "string" && webxdc.selfName !== "" ? webxdc.selfName : "you";
      ui.status.textContent = "Voting as " + who + ": one vote, it cannot be changed.";
    }
  }

  webxdc.setUpdateListener((update) => {
    state.apply(update && update.payload);
    render();
  }, 0);
})();
