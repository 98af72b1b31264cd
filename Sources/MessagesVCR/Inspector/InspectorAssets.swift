/// The inspector's only style sheet and script, inline in every page: no CDN, no build step.
/// The script only adds live updates, filtering as you type and copy buttons; every list and
/// picture is in the HTML the server sends.
enum InspectorAssets {
    static let css = """
        :root { color-scheme: light; --fg: #1b1f24; --muted: #57606a; --line: #d0d7de; --accent: #0969da; --bad: #cf222e; --warn: #9a6700; }
        * { box-sizing: border-box; }
        body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); margin: 0; }
        header { background: #f6f8fa; border-bottom: 1px solid var(--line); padding: .5rem 1rem; }
        header a { margin-right: 1rem; }
        main { padding: 1rem; max-width: 1400px; }
        a { color: var(--accent); }
        a:focus, button:focus, input:focus, select:focus, summary:focus { outline: 3px solid #fd8c73; outline-offset: 1px; }
        .skip { position: absolute; left: -999px; } .skip:focus { left: 1rem; top: .5rem; background: #fff; z-index: 1; }
        h1 { font-size: 1.4rem; margin: .2rem 0 .6rem; } h2 { font-size: 1.15rem; margin: 1.4rem 0 .5rem; }
        table { border-collapse: collapse; width: 100%; margin: .3rem 0 1rem; }
        caption { text-align: left; font-weight: 600; padding: .2rem 0; }
        th, td { border-bottom: 1px solid var(--line); padding: .25rem .5rem; text-align: left; vertical-align: top; }
        th { background: #f6f8fa; position: sticky; top: 0; }
        td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
        code, pre, .mono { font: 12.5px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
        pre { background: #f6f8fa; border: 1px solid var(--line); padding: .6rem; overflow: auto; white-space: pre-wrap; word-break: break-word; }
        form { margin: .4rem 0 .8rem; display: flex; gap: .6rem; flex-wrap: wrap; align-items: end; }
        label { display: flex; flex-direction: column; font-size: .85rem; color: var(--muted); }
        input, select, button { font: inherit; padding: .25rem .4rem; }
        .bad { color: var(--bad); font-weight: 600; } .warn { color: var(--warn); } .muted { color: var(--muted); }
        tr.gap td { background: #fff8c5; }
        .cols { display: grid; grid-template-columns: 1fr 1fr; gap: 1rem; }
        .json { font: 12.5px/1.4 ui-monospace, monospace; background: #f6f8fa; border: 1px solid var(--line); padding: .5rem; overflow: auto; }
        .json ul { list-style: none; margin: 0; padding-left: 1.2rem; }
        .json .key { color: #953800; } .json .str { color: #0a3069; white-space: pre-wrap; word-break: break-word; }
        .json .diff { background: #ffebe9; outline: 1px solid var(--bad); }
        mark { background: #ffd8b5; }
        svg.timeline { width: 100%; height: auto; border: 1px solid var(--line); background: #fff; }
        svg .lane { fill: #f6f8fa; } svg .lane-label { font: 12px system-ui, sans-serif; fill: var(--fg); }
        svg .tick { stroke: #d0d7de; } svg .tick-label { font: 10px system-ui, sans-serif; fill: var(--muted); }
        svg .mark { fill: #0969da; } svg .mark.thinking { fill: #8250df; } svg .mark.tool_use { fill: #1a7f37; } svg .mark.meta { fill: #57606a; }
        svg .mark.error { fill: var(--bad); }
        svg .gap { fill: #d4a72c; opacity: .35; }
        svg .ttfb, svg .end { stroke-width: 1.5; stroke-dasharray: 4 3; } svg .ttfb { stroke: #8250df; } svg .end { stroke: #57606a; }
        svg .cut { stroke: var(--bad); stroke-width: 3; } svg .cut-label, svg .marker-label { font: 11px system-ui, sans-serif; }
        svg .cut-label { fill: var(--bad); font-weight: 700; }
        .copy { margin-left: .5rem; }
        """

    static let script = """
        (function () {
          "use strict";
          document.querySelectorAll("button[data-copy]").forEach(function (button) {
            button.hidden = false;
            button.addEventListener("click", function () {
              var source = document.getElementById(button.getAttribute("data-copy"));
              navigator.clipboard.writeText(source.textContent).then(function () { button.textContent = "Copied"; },
                function () { button.textContent = "Select and copy by hand"; });
            });
          });
          var table = document.getElementById("interactions");
          var text = document.getElementById("filter-text"), model = document.getElementById("filter-model");
          function filter() {
            if (!table) return;
            var needle = (text.value || "").toLowerCase(), wanted = model.value, shown = 0;
            table.querySelectorAll("tbody tr").forEach(function (row) {
              var ok = (!needle || row.getAttribute("data-text").indexOf(needle) >= 0) && (!wanted || row.getAttribute("data-model") === wanted);
              row.hidden = !ok; if (ok) shown++;
            });
            var count = document.getElementById("shown-count"); if (count) count.textContent = shown;
          }
          if (text) text.addEventListener("input", filter);
          if (model) model.addEventListener("change", filter);
          var journal = document.getElementById("journal");
          if (journal) {
            var body = journal.querySelector("tbody"), status = document.getElementById("journal-status");
            var base = journal.getAttribute("data-ui");
            function cell(row, value, className) { var td = document.createElement("td"); if (className) td.className = className; if (value instanceof Node) td.appendChild(value); else td.textContent = value == null ? "" : String(value); row.appendChild(td); }
            function link(href, label) { var a = document.createElement("a"); a.href = href; a.textContent = label; return a; }
            function refresh() {
              fetch("/__vcr/journal?limit=50", { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (data) {
                var rows = document.createDocumentFragment();
                data.entries.slice().reverse().forEach(function (e) {
                  var row = document.createElement("tr");
                  cell(row, e.time.replace("T", " ").replace("Z", ""));
                  cell(row, e.session);
                  cell(row, e.method + " " + e.path);
                  cell(row, e.result, e.result === "miss" || e.result === "error" || e.result === "exhausted" ? "bad" : "");
                  cell(row, e.status, "num");
                  if (e.miss) cell(row, link(base + "misses/" + e.miss, "miss " + e.miss + ": see the diff"));
                  else if (e.interaction && e.interaction.indexOf("rule-") !== 0) cell(row, link(base + "interactions/" + e.interaction + "?cassette=" + encodeURIComponent(e.cassette), e.interaction));
                  else cell(row, e.interaction || "");
                  cell(row, [e.flavor ? "as " + e.flavor : null, e.timing, e.compat ? "compat: " + e.compat : null, e.drift ? "drift: " + e.drift.paths.join(", ") : null, e.detail].filter(Boolean).join(" · "));
                  rows.appendChild(row);
                });
                body.replaceChildren(rows);
                status.textContent = "Live: " + data.entries.length + " entries, updated " + new Date().toLocaleTimeString();
              }).catch(function () { status.textContent = "Live updates paused (the server did not answer)."; });
            }
            setInterval(refresh, 1000);
          }
        })();
        """
}
