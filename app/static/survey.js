// Change the follow-up question as the customer picks a score (the page works without this).
(function () {
  var form = document.querySelector("form.survey");
  if (!form) return;
  var d = form.dataset, min = +d.scaleMin, max = +d.scaleMax, label = document.getElementById("follow-up");
  function band(score) {
    if (d.kind === "nps") return score >= 9 ? "high" : score <= 6 ? "low" : "default";
    var points = max - min + 1;
    if (d.kind === "ces") return score >= (max === 7 ? 5 : 4) ? "high" : score <= min + Math.floor(points / 2) - 1 ? "low" : "default";
    var box = Math.max(1, Math.round(0.4 * points));
    return score >= max - box + 1 ? "high" : score <= min + box - 1 ? "low" : "default";
  }
  form.addEventListener("change", function (event) {
    if (event.target.name !== "score") return;
    var key = band(+event.target.value);
    var text = d["follow" + key.charAt(0).toUpperCase() + key.slice(1)] || d.followDefault;
    if (text) label.textContent = text;
  });
})();
