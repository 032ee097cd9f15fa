// Change the follow-up question as the customer picks a score (the page works without this).
// The band edges come from the server (app/services/kinds.py), so the rules live in one place.
(function () {
  var form = document.querySelector("form.survey");
  if (!form) return;
  var d = form.dataset, lowMax = +d.lowMax, highMin = +d.highMin, label = document.getElementById("follow-up");
  form.addEventListener("change", function (event) {
    if (event.target.name !== "score") return;
    var score = +event.target.value;
    var key = score >= highMin ? "High" : score <= lowMax ? "Low" : "Default";
    var text = d["follow" + key] || d.followDefault;
    if (text) label.textContent = text;
  });
})();
