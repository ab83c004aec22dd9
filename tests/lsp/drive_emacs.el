;;; drive_emacs.el --- Emacs with eglot and the README's setup, used as a person would  -*- lexical-binding: t -*-

;; Loaded by test_emacs.py after the README's snippet, in `emacs --batch', with the workspace as
;; `default-directory' (a folder in no project).  It opens a Python buffer there, `M-x eglot',
;; then `M-x service-creator' startInterview, generate, runTests after breaking an assertion of
;; test_suite.py (saved), reads the Flymake diagnostics of that buffer, and repairs the failure
;; with `M-x service-creator' fixFailure and the test id from the Flymake message.
;;
;; The person is slow: each prompt (`completing-read', `y-or-n-p') is answered after
;; SC_DELAY seconds of `sleep-for', longer in all than jsonrpc's 10 s request timeout.  The
;; answer is the first option in SC_PREFER (comma-separated), else the prompt's default.  What
;; the snippet shows with `message' is recorded; the results are written as JSON to SC_OUT, and
;; Emacs exits 0 on success, 1 on failure.  Every wait is bounded and ends when its condition
;; holds.

(require 'eglot)
(require 'flymake)
(require 'json)
(require 'subr-x)

(defvar sc-out (list (cons 'prompts nil) (cons 'messages nil)))
(defvar sc-delay (string-to-number (or (getenv "SC_DELAY") "3")))
(defvar sc-prefer (split-string (or (getenv "SC_PREFER") "") "," t))

(defun sc-put (key value) (setf (alist-get key sc-out) value))
(defun sc-push (key value) (setf (alist-get key sc-out) (append (alist-get key sc-out) (list value))))

(defun sc-human-completing-read (_orig prompt collection &optional _pred _require _initial _hist default &rest _)
  (sc-push 'prompts (substring-no-properties prompt))
  (sleep-for sc-delay)                  ; the person reads and thinks
  (let ((options (all-completions "" collection)))
    (or (seq-find (lambda (option) (member option sc-prefer)) options)
        (if (consp default) (car default) default)
        (car options))))

(defun sc-human-y-or-n-p (_orig prompt)
  (sc-push 'prompts (substring-no-properties prompt))
  (sleep-for sc-delay)
  t)

(defun sc-record-message (format &rest args)
  (when (and format (string-prefix-p "Service Creator" format))
    (sc-push 'messages (apply #'format-message format args))))

(advice-add 'completing-read :around #'sc-human-completing-read)
(advice-add 'y-or-n-p :around #'sc-human-y-or-n-p)
(advice-add 'message :before #'sc-record-message)

(defun sc-idle ()
  "Batch Emacs never goes idle, so idle timers never fire: fire eglot's pending didChange
timers (`eglot-send-changes-idle-time' after an edit), as a person's idle Emacs would."
  (dolist (buffer (buffer-list))
    (let ((timer (buffer-local-value 'eglot--change-idle-timer buffer)))
      (when (timerp timer)
        (cancel-timer timer)
        (apply (timer--function timer) (timer--args timer))))))

(defun sc-wait (what seconds condition)
  (let ((deadline (+ (float-time) seconds)) (result nil))
    (while (and (not (setq result (funcall condition))) (< (float-time) deadline))
      (accept-process-output nil 0.05)
      (sc-idle))
    (or result (error "%s: nothing after %s s" what seconds))))

(defun sc-run (command seconds)
  "`M-x service-creator' COMMAND, then the message it shows."
  (let ((before (length (alist-get 'messages sc-out))))
    (service-creator command)
    (let ((shown (sc-wait (concat "service-creator " command) seconds
                          (lambda () (nth before (alist-get 'messages sc-out))))))
      (when (string-prefix-p (format "Service Creator %s failed: " command) shown)
        (error "%s" shown))
      (sc-put (intern command) shown))))

(defun sc-diagnostics ()
  (mapcar (lambda (d)
            (list (cons 'line (1- (line-number-at-pos (flymake-diagnostic-beg d))))
                  (cons 'text (flymake-diagnostic-text d))
                  (cons 'type (format "%s" (flymake-diagnostic-type d)))))
          (flymake-diagnostics)))

(defun sc-drive ()
  (sc-put 'emacs emacs-version)
  (sc-put 'eglot (if (boundp 'eglot-version) eglot-version
                   (let ((library (locate-library "eglot")))
                     (and library (file-name-nondirectory (directory-file-name
                                                           (file-name-directory library)))))))
  ;; a new, empty folder: the person opens a Python buffer there and starts eglot
  (find-file (expand-file-name "notes.py"))
  (call-interactively #'eglot)
  (sc-wait "eglot connecting" 60 (lambda () (eglot-current-server)))
  (sc-put 'server-root (expand-file-name (project-root (eglot--project (eglot-current-server)))))
  (let ((started (float-time)))
    (sc-run "startInterview" 600)
    (sc-put 'interview-seconds (- (float-time) started)))
  (sc-run "generate" 300)
  ;; the person breaks an assertion and saves the file
  (find-file (expand-file-name (getenv "SC_PLANT_FILE")))
  (sc-wait "eglot managing the test file" 30 (lambda () (bound-and-true-p eglot--managed-mode)))
  (goto-char (point-min))
  (search-forward (getenv "SC_BREAK_FROM"))
  (sc-put 'planted-line (1- (line-number-at-pos)))
  (replace-match (getenv "SC_BREAK_TO") t t)
  (save-buffer)
  (sc-run "runTests" 300)
  (flymake-start)
  (sc-put 'diagnostics (sc-wait "the Flymake diagnostics" 60
                                (lambda () (flymake-start) (sc-diagnostics))))
  ;; the repair: fixFailure with the test id from the Flymake message; the server replaces the
  ;; open buffer's text (eglot asks first), the tests run again, the diagnostic goes away
  (let ((text (alist-get 'text (car (alist-get 'diagnostics sc-out)))))
    (string-match "\\(test_suite\\.py::[A-Za-z0-9_]+\\)" text)
    (sc-put 'fixed-test (match-string 1 text))
    (let ((before (length (alist-get 'messages sc-out))))
      (service-creator "fixFailure" (match-string 1 text))
      (sc-put 'fixFailure (sc-wait "service-creator fixFailure" 300
                                   (lambda () (nth before (alist-get 'messages sc-out)))))))
  (sc-put 'fixed-text (save-excursion
                        (goto-char (point-min))
                        (forward-line (alist-get 'planted-line sc-out))
                        (buffer-substring-no-properties (line-beginning-position)
                                                        (line-end-position))))
  (sc-put 'diagnostics-after-fix (sc-wait "the Flymake diagnostics cleared" 60
                                          (lambda () (flymake-start) (not (sc-diagnostics)))))
  (sc-run "showSession" 60)
  (eglot-shutdown (eglot-current-server)))

(let ((code 0))
  (condition-case failure
      (sc-drive)
    (error (sc-put 'error (error-message-string failure))
           (setq code 1)))
  (with-temp-file (getenv "SC_OUT")
    (insert (json-encode sc-out)))
  (kill-emacs code))

;;; drive_emacs.el ends here
