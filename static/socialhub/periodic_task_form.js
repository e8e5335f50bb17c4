// django-celery-beat's periodic-task admin form: show what the chosen crontab means in words.
// (Upstream does this in an inline script, which SocialHub's Content-Security-Policy forbids.)
(function () {
  "use strict";
  var $ = window.django && window.django.jQuery;
  if (!$) { return; }
  $(function () {
    var readableCrontabs = JSON.parse($("#readable-crontabs").text() || "{}");
    var originalHelp = JSON.parse($("#crontab-help").text() || '""');
    $(".field-crontab_translation").hide();
    $(".field-crontab").change(function () {
      var help = $(".field-crontab .help");
      help.text(originalHelp);
      help.append($("<br>"), document.createTextNode(
        "Translation: " + (readableCrontabs[$("#id_crontab").val()] || "")));
    });
  });
})();
