/* Trợ lý CCHC, put in the page's <head>.
 * A new question is scrolled to the top of the chat so its answer reads from the start (the answer and
 * its sources can be taller than the chat); opening "Xem toàn văn mục" scrolls the section to the quote. */
(function () {
  var seen = 0, pin = null, until = 0;
  function stop() { pin = null; }
  ['wheel', 'touchstart', 'keydown'].forEach(function (e) { window.addEventListener(e, stop, {passive: true}); });
  new MutationObserver(function () {
    var chat = document.getElementById('cchc-chat');
    if (!chat) return;
    var users = chat.querySelectorAll('.cchc-user');
    if (users.length > seen) { pin = true; until = Date.now() + 20000; }
    seen = users.length;
    if (!pin || !users.length || Date.now() > until) return;
    var last = users[users.length - 1];
    var done = !chat.querySelector('.cchc-pending, .cchc-streaming');
    var box = last.parentElement;
    while (box && box !== chat && !(box.scrollHeight > box.clientHeight &&
           /(auto|scroll)/.test(getComputedStyle(box).overflowY))) box = box.parentElement;
    if (!box) return;
    requestAnimationFrame(function () {
      var row = last.closest('.message-row') || last;
      box.scrollTop += row.getBoundingClientRect().top - box.getBoundingClientRect().top - 8;
    });
    if (done) pin = null;
  }).observe(document.documentElement, {childList: true, subtree: true});
})();
document.addEventListener('toggle', function (event) {
  var d = event.target;
  if (!(d instanceof HTMLDetailsElement) || !d.open || !d.classList.contains('cchc-full')) return;
  var box = d.querySelector('.cchc-section-text');
  var mark = box && box.querySelector('mark.cchc-quote, mark.cchc-fact');
  if (box && mark) box.scrollTop = Math.max(0, mark.offsetTop - 24);
}, true);
