// SPDX-License-Identifier: MIT
// A test stand-in for the messenger's webxdc.js (the webxdc API as Delta Chat provides it), served as
// "webxdc.js" to the app under test. It behaves like the real one where the app can tell:
// - sendUpdate(update) serializes the update as JSON and later (asynchronously) delivers it back to
//   the app's own listener with the next serial, as the messenger does with an update it has sent;
// - setUpdateListener(cb, serial) delivers every known update with a larger serial, in serial order,
//   each with `serial` and `max_serial`, and returns a promise that resolves after that;
// - selfAddr and selfName are fixed strings.
// The test configures it before the page loads (window.__webxdcStandInConfig = {selfAddr, selfName,
// history: [update, ...]}) and drives it through window.__webxdcStandIn: `sent` records every
// sendUpdate call ({update, descr}), `ready` resolves once the app's listener has the history, and
// deliver(update) delivers an update of another member.
"use strict";

(function () {
  const config = window.__webxdcStandInConfig || {};
  const log = []; // every update the "messenger" knows, in serial order
  const sent = [];
  let listener = null;
  let lastSerial = 0;
  let replayed = null;
  const ready = new Promise((resolve) => {
    replayed = resolve;
  });

  function store(update) {
    const item = JSON.parse(JSON.stringify(update)); // what travels is JSON
    lastSerial += 1;
    item.serial = lastSerial;
    log.push(item);
    return item;
  }

  function notify(item) {
    if (listener === null) return;
    listener(Object.assign({}, item, { max_serial: lastSerial }));
  }

  (config.history || []).forEach(store);

  window.webxdc = {
    selfAddr: config.selfAddr || "self@standin.invalid",
    selfName: config.selfName || "Self",

    sendUpdate(update, descr) {
      if (update === null || typeof update !== "object" || update.payload === undefined) {
        throw new TypeError("sendUpdate: update.payload is required");
      }
      sent.push({ update: JSON.parse(JSON.stringify(update)), descr: descr === undefined ? null : descr });
      const item = store(update);
      setTimeout(() => notify(item), 0);
    },

    setUpdateListener(callback, serial) {
      listener = callback;
      const since = serial || 0;
      return new Promise((resolve) => {
        setTimeout(() => {
          log.filter((item) => item.serial > since).forEach(notify);
          resolve();
          replayed();
        }, 0);
      });
    },
  };

  window.__webxdcStandIn = {
    sent,
    log,
    // Resolves once the app has set its listener and received the history.
    ready,
    // Delivers an update that another member sent; resolves after the app's listener ran.
    deliver(update) {
      const item = store(update);
      notify(item);
      return Promise.resolve(item.serial);
    },
  };
})();
