(function () {
  var table = document.getElementById('pocs');
  if (!table) { return; }
  var body = table.tBodies[0];
  var filter = document.getElementById('filter');
  var decision = document.getElementById('decision');
  var status = document.getElementById('status');
  var shown = document.getElementById('shown');
  function apply() {
    var text = filter.value.trim().toLowerCase();
    var count = 0;
    Array.prototype.forEach.call(body.rows, function (row) {
      var ok = (!text || row.dataset.search.indexOf(text) >= 0) &&
        (!decision.value || row.dataset.decision === decision.value) &&
        (!status.value || row.dataset.status === status.value);
      row.hidden = !ok;
      if (ok) { count += 1; }
    });
    shown.textContent = count + ' of ' + body.rows.length + ' shown';
  }
  [filter, decision, status].forEach(function (el) {
    el.addEventListener('input', apply);
  });
  Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, column) {
    var button = th.querySelector('button');
    if (!button) { return; }
    button.addEventListener('click', function () {
      var ascending = th.getAttribute('aria-sort') !== 'ascending';
      Array.prototype.forEach.call(table.tHead.rows[0].cells, function (other) {
        if (other.hasAttribute('aria-sort')) {
          other.setAttribute('aria-sort', 'none');
        }
      });
      th.setAttribute('aria-sort', ascending ? 'ascending' : 'descending');
      var numeric = th.dataset.type === 'num';
      var rows = Array.prototype.slice.call(body.rows);
      rows.sort(function (a, b) {
        var x = a.cells[column].dataset.sort, y = b.cells[column].dataset.sort;
        var order = numeric ? parseFloat(x) - parseFloat(y) : x.localeCompare(y);
        return ascending ? order : -order;
      });
      rows.forEach(function (row) { body.appendChild(row); });
    });
  });
  apply();
})();
