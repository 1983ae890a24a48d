import { builder } from '../builder';
import './user';
import './persona';
import './session';
import './events';
import './memory';
import './moderation';
import './privacy';
import './activity';

export const schema = builder.toSchema({ sortSchema: true });
